-- "Custom tasks": let artists choose how many points their own tasks are worth and whether they
-- count for the streak. Re-grant the INSERT column list with the two new columns.
GRANT INSERT (artist_id, title, description, category, difficulty, estimated_time, impact_score,
              due_date, scheduled_for, parent_insight_id, points_reward, streak_applicable)
  ON TABLE public.tasks TO authenticated;
