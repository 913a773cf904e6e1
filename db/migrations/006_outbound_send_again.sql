-- Sending again: a row that was sent, failed or cancelled can be queued once more on purpose (a
-- PACS lost the study; its address was wrong and is fixed in the settings). It then goes to the
-- PACS as the settings describe it now, so the node snapshot may change, but only in that step:
-- never while the row is being sent, and never to another destination or other bytes.

DROP TRIGGER outbound_items_fixed_content;
CREATE TRIGGER outbound_items_fixed_content BEFORE UPDATE OF sop_instance_uid, sop_class_uid, study_instance_uid, transfer_syntax_uid, path, size_bytes, sha256, destination ON outbound_items
BEGIN SELECT RAISE(ABORT, 'the content and destination of an outbound object cannot be changed'); END;

CREATE TRIGGER outbound_items_node_on_requeue BEFORE UPDATE OF destination_node ON outbound_items
WHEN NEW.destination_node IS NOT OLD.destination_node AND NOT (OLD.status <> 'sending' AND NEW.status = 'queued')
BEGIN SELECT RAISE(ABORT, 'the PACS address of an outbound object changes only when it is queued again'); END;
