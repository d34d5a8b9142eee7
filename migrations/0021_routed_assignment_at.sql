-- open_routed_conversation (0015) dates the assignment it records by the router's clock (p_routed_at), as
-- it dates the routing and its event: one injected clock, so reports of who held what when agree with it.
CREATE OR REPLACE FUNCTION open_routed_conversation(
  p_mention_id uuid,
  p_network text,
  p_account text,
  p_author_id text,
  p_author_handle text,
  p_assignee_id text,
  p_escalated boolean,
  p_opened_at timestamptz,
  p_priority text,
  p_response_target_minutes integer,
  p_routing_reasons jsonb,
  p_covering_for text,
  p_status text,
  p_closed_at timestamptz,
  p_routed_at timestamptz,
  p_event_type text,
  p_event_details jsonb,
  p_channel text
) RETURNS TABLE (outcome text, conversation_id uuid)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_capacity integer;
  v_open integer;
  v_id uuid;
BEGIN
  PERFORM 1 FROM mentions WHERE id = p_mention_id AND routed_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'routed'::text, NULL::uuid;
    RETURN;
  END IF;
  -- An escalation goes to the owner whatever their load; an assignment only within capacity.
  IF p_assignee_id IS NOT NULL AND NOT p_escalated THEN
    -- The person's row is the turnstile: whoever holds it counts the load others committed before it.
    SELECT capacity INTO v_capacity FROM staff WHERE id = p_assignee_id FOR UPDATE;
    SELECT count(*) INTO v_open FROM conversations WHERE assignee_id = p_assignee_id AND closed_at IS NULL;
    IF v_capacity IS NULL OR v_open >= v_capacity THEN
      RETURN QUERY SELECT 'full'::text, NULL::uuid;
      RETURN;
    END IF;
  END IF;
  INSERT INTO conversations (network, account, author_id, author_handle, first_mention_id, assignee_id,
    escalated, opened_at, priority, response_target_minutes, routing_reasons, covering_for, status, closed_at,
    channel)
  VALUES (p_network, p_account, p_author_id, p_author_handle, p_mention_id, p_assignee_id,
    p_escalated, p_opened_at, p_priority, p_response_target_minutes, p_routing_reasons, p_covering_for, p_status,
    p_closed_at, p_channel)
  ON CONFLICT (network, author_id) WHERE closed_at IS NULL DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    RETURN QUERY SELECT 'open_elsewhere'::text, NULL::uuid;
    RETURN;
  END IF;
  IF p_assignee_id IS NOT NULL THEN
    INSERT INTO assignments (conversation_id, staff_id, assigned_by, reasons, assigned_at)
    VALUES (v_id, p_assignee_id, 'router', p_routing_reasons, p_routed_at);
  END IF;
  UPDATE mentions SET conversation_id = v_id, routed_at = p_routed_at,
    notified_at = CASE WHEN p_status = 'spam' THEN coalesce(notified_at, p_routed_at) ELSE notified_at END
  WHERE id = p_mention_id;
  -- Dated by the router's clock, as the routing itself is (p_routed_at).
  INSERT INTO events (conversation_id, mention_id, actor, type, details, at)
  VALUES (v_id, p_mention_id, 'router', p_event_type, p_event_details, p_routed_at);
  -- The card is owed to Slack with the conversation (contract/slack-work.ts: key n-<mention>, kind
  -- 'mention'), in its team's channel or the main one, behind the held ones while nobody holds it.
  IF p_status <> 'spam' THEN
    INSERT INTO slack_outbox (key, kind, work, conversation_id, lane, priority)
    VALUES ('n-' || p_mention_id, 'mention', jsonb_build_object('type', 'mention', 'mentionId', p_mention_id),
      v_id, coalesce(p_channel, 'main'), CASE WHEN p_assignee_id IS NULL THEN 1 ELSE 0 END)
    ON CONFLICT (key) DO NOTHING;
    PERFORM pg_notify('firsthand_slack_outbox', '');
  END IF;
  RETURN QUERY SELECT 'opened'::text, v_id;
END
$$;
