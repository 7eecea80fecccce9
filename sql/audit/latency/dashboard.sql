-- title: the dashboard in one round trip (get_dashboard_summary for the caller)
-- params:
SELECT public.get_dashboard_summary()
