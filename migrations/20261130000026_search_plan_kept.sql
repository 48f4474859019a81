-- The search's matches, as migration 12 reads them, in PL/pgSQL: a SQL
-- function that cannot be inlined (SECURITY DEFINER) is planned again on
-- every call, a fifth of a search's time in the database; PL/pgSQL keeps the
-- plan for the connection, as prepared statements are kept.
CREATE OR REPLACE FUNCTION advisory_search_ids(pattern text) RETURNS bigint[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN (SELECT coalesce(array_agg(s.advisory_id), '{}')
            FROM advisory_search s JOIN advisory a ON a.id = s.advisory_id
            WHERE s.search_text LIKE pattern);
END
$$;
