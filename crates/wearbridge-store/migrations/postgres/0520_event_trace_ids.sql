-- Webhook trace ids (postgres). Keep in step with ../sqlite/0520_event_trace_ids.sql.

-- `X-Terra-Trace-Id` of an event when it is not the event id: events answering a
-- to_webhook=true request carry the request's reference (`<reference>:chunk:<n>` for the
-- chunks of a large request), so a re-run of the request repeats the same trace ids.
-- NULL means the event id.
ALTER TABLE events ADD COLUMN trace_id TEXT;
