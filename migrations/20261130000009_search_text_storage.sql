-- Searches read `search_text` for every candidate row: keep it in the main
-- heap (compressed, not moved out to TOAST), so reading it is cheap and the
-- planner sees its real size, and keep the trigram index without a pending
-- list, whose unmerged entries make the index look too expensive to use.
ALTER TABLE advisory ALTER COLUMN search_text SET STORAGE MAIN;
ALTER INDEX advisory_search_text_trgm_idx SET (fastupdate = off);
