CREATE TABLE "instances" (
	"id" text PRIMARY KEY NOT NULL,
	"holder" text,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service_secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Every instance id presence was recorded under gets a row, nobody holding it: the sweep then finds
-- users left online by instances that are gone.
INSERT INTO "instances" ("id", "holder")
SELECT DISTINCT "online_instance", NULL FROM "users" WHERE "online_instance" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "chat_members" ADD COLUMN "has_sent" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "media_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "media_bytes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Who has written in each chat: their presence shows to its other members.
UPDATE "chat_members" cm SET "has_sent" = true
WHERE EXISTS (SELECT FROM "messages" m WHERE m."chat_id" = cm."chat_id" AND m."sender_id" = cm."user_id");--> statement-breakpoint
-- An upload's link to the messages that carry it replaces media_chats: a message that carries one of our
-- uploads names it, so access follows the messages (and ends with them).
UPDATE "messages" m SET "media_id" = mc."media_id"
FROM "media_chats" mc
WHERE mc."chat_id" = m."chat_id" AND m."media_url" IS NOT NULL
  AND lower(substring(m."media_url" from '/api/media/([0-9A-Fa-f-]{36})$')) = mc."media_id"::text;--> statement-breakpoint
UPDATE "users" u SET "media_bytes" = s.total
FROM (SELECT "owner_id", sum("size")::bigint AS total FROM "media" GROUP BY "owner_id") s
WHERE s."owner_id" = u."id";--> statement-breakpoint
DROP TABLE "media_chats" CASCADE;--> statement-breakpoint
CREATE INDEX "messages_media_id_idx" ON "messages" USING btree ("media_id") WHERE "messages"."media_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "users_online_instance_idx" ON "users" USING btree ("online_instance") WHERE "users"."online_instance" IS NOT NULL;
