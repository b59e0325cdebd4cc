ALTER TABLE "orchestrator"."transfers" ADD COLUMN "claim_token" uuid;--> statement-breakpoint
ALTER TABLE "orchestrator"."transfers" ADD COLUMN "claimed_until" timestamp with time zone;