-- IF NOT EXISTS added by hand: scripts/migrate.ts creates the schema first, to keep its
-- migrations table (ledger.__drizzle_migrations) in it.
CREATE SCHEMA IF NOT EXISTS "ledger";
--> statement-breakpoint
CREATE TABLE "ledger"."accounts" (
	"account_id" text PRIMARY KEY NOT NULL,
	"currency" text NOT NULL,
	"balance_minor" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger"."entries" (
	"entry_id" text PRIMARY KEY NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"fingerprint" text NOT NULL,
	"posted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ledger"."entry_lines" (
	"entry_id" text NOT NULL,
	"line_no" integer NOT NULL,
	"account_id" text NOT NULL,
	"currency" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"min_balance_minor" bigint,
	CONSTRAINT "entry_lines_entry_id_line_no_pk" PRIMARY KEY("entry_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "ledger"."outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"key" text NOT NULL,
	"value" "bytea" NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"shard" integer GENERATED ALWAYS AS (((hashtext("key") & 2147483647) % 1024)) STORED NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "ledger"."entry_lines" ADD CONSTRAINT "entry_lines_entry_id_entries_entry_id_fk" FOREIGN KEY ("entry_id") REFERENCES "ledger"."entries"("entry_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger"."entry_lines" ADD CONSTRAINT "entry_lines_account_id_accounts_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "ledger"."accounts"("account_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "entry_lines_account_idx" ON "ledger"."entry_lines" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "ledger"."outbox" USING btree ("id") WHERE "ledger"."outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_published_at_idx" ON "ledger"."outbox" USING btree ("published_at");