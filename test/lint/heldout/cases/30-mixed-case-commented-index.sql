/* Hot path for the unread badge.
   Reviewed by: nobody */
create   INDEX   -- plain, because "it is a small table"
  idx_Notifications_Opened
  on PUBLIC."notifications" (artist_id, opened);
