-- IF NOT EXISTS added by hand: scripts/migrate.ts creates the schema first, to keep its
-- migrations table (orchestrator.__drizzle_migrations) in it.
CREATE SCHEMA IF NOT EXISTS "orchestrator";
--> statement-breakpoint
CREATE TABLE "orchestrator"."transfers" (
	"transfer_id" uuid PRIMARY KEY NOT NULL,
	"idempotency_key" text NOT NULL,
	"request_hash" text NOT NULL,
	"from_account_id" text NOT NULL,
	"to_account_id" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"entry_id" uuid NOT NULL,
	"error_code" text,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "transfers_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "transfers_status_check" CHECK ("orchestrator"."transfers"."status" in ('pending', 'completed', 'failed')),
	CONSTRAINT "transfers_amount_positive" CHECK ("orchestrator"."transfers"."amount_minor" > 0)
);
