-- IF NOT EXISTS added by hand: scripts/migrate.ts creates the schema first, to keep its
-- migrations table (readmodel.__drizzle_migrations) in it.
CREATE SCHEMA IF NOT EXISTS "readmodel";
--> statement-breakpoint
CREATE TABLE "readmodel"."balances" (
	"account_id" text PRIMARY KEY NOT NULL,
	"currency" text NOT NULL,
	"balance_minor" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "readmodel"."processed_events" (
	"event_id" text PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"offset" bigint NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "readmodel"."statement_lines" (
	"entry_id" text NOT NULL,
	"account_id" text NOT NULL,
	"currency" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"balance_after_minor" bigint NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"posted_at" timestamp with time zone NOT NULL,
	"event_id" text NOT NULL,
	CONSTRAINT "statement_lines_entry_id_account_id_pk" PRIMARY KEY("entry_id","account_id")
);
--> statement-breakpoint
CREATE INDEX "processed_events_processed_at_idx" ON "readmodel"."processed_events" USING btree ("processed_at");--> statement-breakpoint
CREATE INDEX "statement_lines_account_posted_idx" ON "readmodel"."statement_lines" USING btree ("account_id","posted_at","entry_id");