-- Make sure nobody writes while we fix the counters.
LOCK TABLE public.content IN ACCESS EXCLUSIVE MODE;
UPDATE public.content SET shares = 0 WHERE shares < 0;
