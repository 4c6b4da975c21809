ALTER TABLE "messages" DROP CONSTRAINT "messages_chat_id_chats_id_fk";
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_sender_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_chat_member_fk" FOREIGN KEY ("chat_id","sender_id") REFERENCES "public"."chat_members"("chat_id","user_id") ON DELETE cascade ON UPDATE no action;