-- Naming: insights are AI insights.
ALTER TABLE public.insights RENAME TO ai_insights;
