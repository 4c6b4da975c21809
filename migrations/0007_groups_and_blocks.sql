CREATE TABLE "user_blocks" (
	"blocker_id" uuid NOT NULL,
	"blocked_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_blocks_blocker_id_blocked_id_pk" PRIMARY KEY("blocker_id","blocked_id")
);
--> statement-breakpoint
ALTER TABLE "chat_members" ADD COLUMN "role" text;--> statement-breakpoint
ALTER TABLE "chat_members" ADD COLUMN "joined_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "chat_members" ADD COLUMN "left_seq" integer;--> statement-breakpoint
ALTER TABLE "chats" ADD COLUMN "title" text;--> statement-breakpoint
ALTER TABLE "chats" ADD COLUMN "avatar_url" text;--> statement-breakpoint
ALTER TABLE "chats" ADD COLUMN "history_visibility" text DEFAULT 'since_join' NOT NULL;--> statement-breakpoint
ALTER TABLE "chats" ADD COLUMN "member_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "chats" ADD COLUMN "state_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "kind" text DEFAULT 'user' NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "event" jsonb;--> statement-breakpoint
ALTER TABLE "user_blocks" ADD CONSTRAINT "user_blocks_blocker_id_users_id_fk" FOREIGN KEY ("blocker_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_blocks" ADD CONSTRAINT "user_blocks_blocked_id_users_id_fk" FOREIGN KEY ("blocked_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "user_blocks_blocked_id_idx" ON "user_blocks" USING btree ("blocked_id");--> statement-breakpoint
CREATE INDEX "chat_members_chat_id_joined_seq_idx" ON "chat_members" USING btree ("chat_id","joined_seq","user_id") WHERE "chat_members"."left_seq" IS NULL;--> statement-breakpoint
UPDATE "chats" c SET "member_count" = (SELECT count(*) FROM "chat_members" m WHERE m.chat_id = c.id);--> statement-breakpoint
-- A member who left keeps their row (their messages stay, see 0004's delete trigger); only current
-- members may write. Read with a fresh snapshot after the chat row's lock: a message written right after
-- a removal committed is refused, even by a statement that started before it.
CREATE OR REPLACE FUNCTION messages_sender_is_member() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing record;
BEGIN
  SELECT n.chat_id, n.sender_id INTO missing
  FROM (SELECT DISTINCT chat_id, sender_id FROM new_messages) n
  WHERE NOT EXISTS (
    SELECT FROM chat_members cm
    WHERE cm.chat_id = n.chat_id AND cm.user_id = n.sender_id AND cm.left_seq IS NULL FOR KEY SHARE
  )
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'insert or update on table "messages" violates foreign key constraint "messages_chat_member_fk"'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'messages_chat_member_fk',
        SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
        DETAIL = format('Key (chat_id, sender_id)=(%s, %s) is not present in table "chat_members".',
                        missing.chat_id, missing.sender_id);
  END IF;
  RETURN NULL;
END $$;
