-- Gamification: completing a task unlocks a "Task done" achievement worth its points.
CREATE FUNCTION public.tasks_award_completion() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NEW.completed AND NOT OLD.completed THEN
    INSERT INTO public.achievements (artist_id, type, name, description, points_awarded, tier)
    VALUES (NEW.artist_id, 'challenge', 'Task done', NEW.title, NEW.points_reward * NEW.impact_score,
            CASE WHEN NEW.impact_score >= 9 THEN 'gold' ELSE 'bronze' END);
  END IF;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION public.tasks_award_completion() FROM PUBLIC, anon, authenticated;

CREATE TRIGGER tasks_award_completion AFTER UPDATE OF completed ON public.tasks
  FOR EACH ROW EXECUTE FUNCTION public.tasks_award_completion();
