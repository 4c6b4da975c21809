-- "A message's sender is a member of its chat", kept by triggers instead of a foreign key from messages
-- (chat_id, sender_id) to chat_members (chat_id, user_id). The key ran one check per inserted row; these
-- run one set-based query per statement, and the batch insert got a sixth cheaper. What they keep: an
-- insert or update naming a non-member fails with the key's error (23503, same constraint name); a
-- membership cannot be deleted under a message being written; deleting a membership (or, through it, a
-- chat or a user) deletes its messages; chat_members cannot be truncated while messages has rows.
-- What differs: memberships can be deleted only in READ COMMITTED (the key's cross-check saw rows that
-- committed after an older snapshot; a trigger cannot), and a membership's key never changes.
CREATE FUNCTION messages_sender_is_member() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing record;
BEGIN
  -- KEY SHARE, as a key would lock it: a concurrent delete of the membership waits for this transaction.
  SELECT n.chat_id, n.sender_id INTO missing
  FROM (SELECT DISTINCT chat_id, sender_id FROM new_messages) n
  WHERE NOT EXISTS (
    SELECT FROM chat_members cm WHERE cm.chat_id = n.chat_id AND cm.user_id = n.sender_id FOR KEY SHARE
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
--> statement-breakpoint
CREATE TRIGGER messages_sender_is_member_on_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION messages_sender_is_member();
--> statement-breakpoint
CREATE TRIGGER messages_sender_is_member_on_update AFTER UPDATE ON messages
  REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION messages_sender_is_member();
--> statement-breakpoint
CREATE FUNCTION chat_members_delete_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Under an older snapshot (REPEATABLE READ, SERIALIZABLE) the DELETE below would miss messages that
  -- committed since, and leave them without a membership.
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'chat memberships can only be deleted in READ COMMITTED transactions'
      USING ERRCODE = 'feature_not_supported', SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME;
  END IF;
  DELETE FROM messages m USING old_members o WHERE m.chat_id = o.chat_id AND m.sender_id = o.user_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_members_delete_messages AFTER DELETE ON chat_members
  REFERENCING OLD TABLE AS old_members FOR EACH STATEMENT EXECUTE FUNCTION chat_members_delete_messages();
--> statement-breakpoint
-- After the truncate, so that truncating both tables in one command (or messages first) goes through.
CREATE FUNCTION chat_members_truncate_needs_messages_empty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT FROM messages) THEN
    RAISE EXCEPTION 'cannot truncate chat_members while messages has rows'
      USING ERRCODE = 'feature_not_supported', SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
        HINT = 'Truncate messages in the same command.';
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_members_truncate_needs_messages_empty AFTER TRUNCATE ON chat_members
  FOR EACH STATEMENT EXECUTE FUNCTION chat_members_truncate_needs_messages_empty();
--> statement-breakpoint
-- Stricter than the key's ON UPDATE NO ACTION, which refused only while messages referenced the row.
CREATE FUNCTION chat_members_key_is_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a chat membership''s chat_id and user_id cannot change'
    USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'messages_chat_member_fk',
      SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME;
END $$;
--> statement-breakpoint
CREATE TRIGGER chat_members_key_is_fixed BEFORE UPDATE OF chat_id, user_id ON chat_members
  FOR EACH ROW WHEN (OLD.chat_id IS DISTINCT FROM NEW.chat_id OR OLD.user_id IS DISTINCT FROM NEW.user_id)
  EXECUTE FUNCTION chat_members_key_is_fixed();
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_chat_member_fk";
--> statement-breakpoint
-- Sync finds a chat's new rows through (chat_id, seq): every writer of messages numbers a chat's rows
-- under the chat row's lock, held until commit, so within a chat seq order is commit order.
DROP INDEX "messages_chat_id_txid_idx";
