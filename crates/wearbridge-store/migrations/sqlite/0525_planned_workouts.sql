-- Workout templates and planned workouts (sqlite). Keep in step with
-- ../postgres/0525_planned_workouts.sql. Timestamps: BIGINT unix microseconds (UTC).

-- POST /v2/workouts: a developer's reusable templates. `id` is the integer Terra's
-- path takes (`/workouts/{workout_id}`, int64), kept as text like every other id.
CREATE TABLE workout_templates (
    id           TEXT PRIMARY KEY NOT NULL,
    developer_id TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
    -- The WorkoutTemplate JSON as stored (normalised, without workout_id).
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX workout_templates_by_developer ON workout_templates (developer_id, created_at, id);

-- A workout on one user's calendar: planned from a template (workout_id set) or written
-- through the SDK-era POST /v2/plannedWorkout (sdk_body set). `id` is the
-- planned_workout_id / log id, unique per user.
CREATE TABLE planned_workouts (
    user_id              TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id                   TEXT NOT NULL,
    developer_id         TEXT NOT NULL,
    workout_id           TEXT,
    -- The user's calendar day, YYYY-MM-DD (sorts as text).
    planned_date         TEXT NOT NULL,
    sdk_body             TEXT,
    athlete_metrics      TEXT,
    -- Where it was pushed: the provider's workout and schedule ids, and what did not
    -- translate exactly.
    provider             TEXT NOT NULL,
    provider_workout_id  TEXT,
    provider_schedule_id TEXT,
    coercion_warnings    TEXT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    PRIMARY KEY (user_id, id)
);
-- GET /v2/plannedWorkouts and /v2/plannedWorkout by date.
CREATE INDEX planned_workouts_by_date ON planned_workouts (user_id, planned_date);
-- DELETE /v2/workouts/{id} cascades to the plans made from the template.
CREATE INDEX planned_workouts_by_template ON planned_workouts (developer_id, workout_id);
