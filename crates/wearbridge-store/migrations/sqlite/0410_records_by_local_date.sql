-- Date-ranged reads (GET /v2/{type} with YYYY-MM-DD dates) select by the user's local
-- calendar day, not by UTC instants.
CREATE INDEX records_by_local_date ON records (user_id, data_type, local_date);
