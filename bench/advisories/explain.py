#!/usr/bin/env python3
"""Prints a psql script that runs EXPLAIN (ANALYZE, BUFFERS) on the queries
behind the benchmarked pages, with the benchmark's parameters, as the
application role with the row-level-security principal set, as the web
process runs them:

  * src/advisories/sql/list_reach.sql (the reach and the counts; in older
    trees list_counts.sql) and list_page.sql for the first page and for the
    filtered search, for the admin and for the member;
  * src/advisories/sql/load.sql and the panels' statement
    (src/advisories/sql/panels.sql; in older trees, the timeline query of
    src/advisories/pages.rs `detail`) for one advisory each.

--root is the source tree the measured binary was built from: the SQL files
and the session settings of the web pool (src/db/mod.rs) are read from it.
Two shapes of the list queries are known: the original one (parameters
$2 user id, $3 group ids) and the one that takes the caller's reach
resolved beforehand (`reach()` in src/advisories/list.rs: $2 team project
ids, $3 granted advisory ids, $16 collaborator grants), where $4 is the
search pattern or, since the reach also resolves the search, the ids it
matches.

Each query is explained in several ways:
  * "as the app runs it": a prepared statement on its sixth execution (sqlx
    keeps statements prepared per connection, and from the sixth execution
    PostgreSQL may use the generic plan), with the session settings the web
    pool sets (jit, plan_cache_mode) or the server defaults;
  * with the server defaults (jit as configured, plan_cache_mode auto), when
    the app sets something else;
  * as a custom and as a generic plan with jit off;
  * the search also without row-level security (superuser), which shows
    which indexes the planner could use if the policy did not stand in the
    way (diagnostic only: the web process never runs like that).
"""

import argparse
import re
from pathlib import Path


def tiers(root: Path) -> dict:
    text = (root / "src/audit/catalogue.rs").read_text()
    out = {"A": [], "B": [], "C": []}
    for name, tier in re.findall(r'=> "([a-z0-9_.]+)", [A-Za-z-]+, ([ABC-]),', text):
        if tier in out:
            out[tier].append(name)
    return out


def pg_array(items) -> str:
    return "'{" + ",".join(items) + "}'"


def app_settings(root: Path) -> dict:
    """The session settings the web pool passes as connection options."""
    text = (root / "src/db/mod.rs").read_text()
    settings = {}
    for key, value in re.findall(r'\(\s*"([a-z_]+)"\s*,\s*"([a-z_0-9]+)"\s*\)', text):
        if key in ("jit", "plan_cache_mode", "enable_seqscan", "work_mem"):
            settings[key] = value
    return settings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--search", required=True)
    ap.add_argument("--severity", required=True)
    ap.add_argument("--detail", required=True)
    ap.add_argument("--member-detail", required=True)
    ap.add_argument("--app-role", required=True)
    args = ap.parse_args()
    root = Path(args.root)
    t = tiers(root)
    # Since the counts are read with the reach, in one statement.
    reach_path = root / "src/advisories/sql/list_reach.sql"
    reach_counts = reach_path.exists()
    counts_path = reach_path if reach_counts else root / "src/advisories/sql/list_counts.sql"
    counts_sql = counts_path.read_text().strip().rstrip(";")
    page_sql = (root / "src/advisories/sql/list_page.sql").read_text().strip().rstrip(";")
    load_sql = (root / "src/advisories/sql/load.sql").read_text().strip().rstrip(";")
    timeline_sql = """SELECT e.action, e.created_at, e.previous_value, e.new_value, e.metadata,
       u.display_name, u.email
FROM audit_log_entry e LEFT JOIN app_user u ON u.id = e.actor_id
WHERE e.advisory_id = $1 AND e.action = ANY($2)
  AND NOT coalesce((e.metadata ->> 'narrated')::boolean, false)
ORDER BY e.created_at DESC, e.id DESC LIMIT 200"""
    # Since the advisory page reads its panels in one statement, that is the
    # detail statement explained next to the advisory's load.
    panels_path = root / "src/advisories/sql/panels.sql"
    panels_sql = panels_path.read_text().strip().rstrip(";") if panels_path.exists() else None
    # The statement grew parameters over time; older trees take a prefix.
    panels_types = ["int8", "bool", "int8", "bool", "bool", "int8[]", "int8", "int8", "int8", "text[]",
                    "bool", "text", "text", "inet", "varchar", "bool", "bool"]
    if panels_sql:
        panels_types = panels_types[:max(int(n) for n in re.findall(r"\$(\d+)", panels_sql))]
    reach_shape = "$16" in page_sql
    # Since the search is resolved with the reach, $4 is the matching ids.
    matches_shape = "$4::bigint[]" in counts_sql or reach_counts
    search = args.search.lower() if reach_shape else args.search
    pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    all_tiers = t["A"] + t["B"] + t["C"]
    app = app_settings(root)
    # A list transaction may choose its plan mode itself (`reach()` in
    # list.rs, later `ListQuery::plans`): one for every list, or one for the
    # plain list (the first page here) and the search, and another for the
    # other shapes.
    list_rs = (root / "src/advisories/list.rs").read_text()
    one = re.search(r"set_config\('plan_cache_mode', '([a-z_]+)', true\)", list_rs)
    two = re.search(r"set_config\('plan_cache_mode',\s*CASE WHEN \$3 THEN '([a-z_]+)' ELSE '([a-z_]+)' END", list_rs)
    # Since the mode is set with `BEGIN` (`ListQuery::plans`, db::begin_planned).
    three = re.search(r"if self\.is_plain\(\)( \|\| self\.q\.is_some\(\))? \{\s*Plans::(Generic|Custom)\s*\}"
                      r"\s*else\s*\{\s*Plans::(Generic|Custom)", list_rs)
    mode = {"Generic": "force_generic_plan", "Custom": "force_custom_plan"}
    if three:
        list_plan_mode = {"plain": mode[three.group(2)],
                          "other": mode[three.group(2) if three.group(1) else three.group(3)]}
    elif one:
        list_plan_mode = {"plain": one.group(1), "other": one.group(1)}
    elif two:
        # The first mode is for the plain list and, where list.rs passes
        # `|| pattern.is_some()`, for a search too.
        searched = "pattern.is_some()" in list_rs
        list_plan_mode = {"plain": two.group(1), "other": two.group(1 if searched else 2)}
    else:
        list_plan_mode = None

    print("\\set ON_ERROR_STOP on")
    print("\\pset pager off")
    print("SELECT id AS admin_id FROM app_user WHERE email = 'bench-admin@example.org' \\gset")
    print("SELECT id AS member_id FROM app_user WHERE email = 'bench-member@example.org' \\gset")
    for who in ("admin", "member"):
        print(f"SELECT '{{' || coalesce(string_agg(group_id::text, ','), '') || '}}' AS {who}_groups "
              f"FROM user_group WHERE user_id = :{who}_id \\gset")
        # What reach() in src/advisories/list.rs resolves before the list queries.
        print(f"SELECT array(SELECT id FROM project WHERE security_team_id = ANY(:'{who}_groups'::int8[]))::text "
              f"AS {who}_projects, array(SELECT DISTINCT advisory_id FROM access_grant "
              f"WHERE (principal_type = 'user' AND principal_id = :{who}_id) OR (principal_type = 'group' "
              f"AND principal_id = ANY(:'{who}_groups'::int8[])))::text AS {who}_granted, "
              f"array(SELECT DISTINCT advisory_id FROM access_grant WHERE permission = 'collaborator' AND "
              f"((principal_type = 'user' AND principal_id = :{who}_id) OR (principal_type = 'group' "
              f"AND principal_id = ANY(:'{who}_groups'::int8[]))))::text AS {who}_collaborator \\gset")
    print(f"SELECT id AS admin_detail_id FROM advisory WHERE advisory_id = '{args.detail}' \\gset")
    print(f"SELECT id AS member_detail_id FROM advisory WHERE advisory_id = '{args.member_detail}' \\gset")
    for who, detail in (("admin", args.detail), ("member", args.member_detail)):
        print(f"SELECT p.security_team_id AS {who}_detail_team FROM advisory a JOIN project p "
              f"ON p.id = a.project_id WHERE a.advisory_id = '{detail}' \\gset")
    print("\\echo == settings of the web pool read from src/db/mod.rs: "
          + (", ".join(f"{k}={v}" for k, v in app.items()) or "none (server defaults)"))

    if reach_counts:
        counts_types = "int8[], int8, text, bool, uuid, text, text, text"
        page_types = ("bool, uuid[], int8[], int8[], uuid, text, text, text, text, text, int8, int8, "
                      "text[], text[], int8, int8[], text[]")
    elif reach_shape:
        search_type = "int8[]" if matches_shape else "text"
        counts_types = f"bool, uuid[], int8[], {search_type}, uuid, text, text, text"
        page_types = (f"bool, uuid[], int8[], {search_type}, uuid, text, text, text, text, text, int8, int8, "
                      "text[], text[], int8, int8[], text[]")
    else:
        counts_types = "bool, int8, int8[], text, uuid, text, text, text"
        page_types = ("bool, int8, int8[], text, uuid, text, text, text, text, text, int8, "
                      "text[], text[], text[], int8")

    def list_statements(who, is_admin):
        uid, groups = f":{who}_id", f":'{who}_groups'::int8[]"
        out = []
        for label, q, sev in (("first page", "NULL", "NULL"),
                              (f"search q={args.search} severity={args.severity}",
                               f"advisory_search_ids('{pattern}')" if matches_shape else f"'{pattern}'",
                               f"'{args.severity}'")):
            if reach_shape:
                head = f"{is_admin}, :'{who}_projects'::uuid[], :'{who}_granted'::int8[], {q}, NULL, {sev}, NULL, NULL"
                page = (f"EXECUTE page({head}, NULL, '-modified', 50, {uid}, {pg_array(t['A'])}, "
                        f"{pg_array(t['B'])}, 0, :'{who}_collaborator'::int8[], {pg_array(t['C'])})")
            else:
                head = f"{is_admin}, {uid}, {groups}, {q}, NULL, {sev}, NULL, NULL"
                page = (f"EXECUTE page({head}, NULL, '-modified', 50, {pg_array(t['A'])}, "
                        f"{pg_array(t['B'])}, {pg_array(t['C'])}, 0)")
            if reach_counts:
                like = "NULL" if q == "NULL" else f"'{pattern}'"
                counts = f"EXECUTE counts({groups}, {uid}, {like}, {is_admin}, NULL, {sev}, NULL, NULL)"
                out.append((f"list reach and counts, {label}", counts, q != "NULL"))
            else:
                out.append((f"list counts, {label}", f"EXECUTE counts({head})", q != "NULL"))
            out.append((f"list page, {label}", page, q != "NULL"))
        return out

    app_label = ("as the app runs it ("
                 + (", ".join(f"{k}={v}" for k, v in app.items()) or "server defaults")
                 + (f"; list statements: plan_cache_mode={list_plan_mode['plain']} for the first page, "
                    f"{list_plan_mode['other']} for the search" if list_plan_mode else "") + ")")
    modes = [(app_label, "app", app.get("jit"), True, False)]
    if app or list_plan_mode:
        modes.append(("server defaults (jit as configured, plan_cache_mode auto)", "auto", None, True, False))
    modes += [("custom plan, jit off", "force_custom_plan", "off", True, False),
              ("generic plan, jit off", "force_generic_plan", "off", True, False),
              ("custom plan, jit off, WITHOUT row-level security (superuser; diagnostic)",
               "force_custom_plan", "off", False, True)]

    users = [("admin", "true", "on", args.detail), ("member", "false", "off", args.member_detail)]
    for who, is_admin, rls_admin, detail in users:
        statements = list_statements(who, is_admin)
        statements.append((f"detail load {detail}",
                           f"EXECUTE load('{detail}', :{who}_id, :'{who}_groups'::int8[])", False))
        if panels_sql:
            # As the team's owner (both users own their advisory) opening the
            # page: every part is read, publication errors and internal
            # comments too, and the view is recorded (rolled back below).
            values = [f":{who}_detail_id", "true", f":{who}_detail_team", "true", is_admin,
                      f":'{who}_groups'::int8[]", "50", "10", f":{who}_id", pg_array(all_tiers),
                      "true", "'advisory.viewed'", "'advisory.first_seen'", "'127.0.0.1'",
                      "'bench'", "true", "true"][:len(panels_types)]
            statements.append((f"detail panels {detail}",
                               f"EXECUTE panels({', '.join(values)})", False))
        else:
            statements.append((f"detail timeline {detail}",
                               f"EXECUTE timeline(:{who}_detail_id, {pg_array(all_tiers)})", False))
        for mode_label, mode, jit, as_app_role, search_only in modes:
            print("DEALLOCATE ALL;")
            print("BEGIN;")
            if as_app_role:
                print(f"SET LOCAL ROLE {args.app_role};")
            if mode != "app":
                print(f"SET LOCAL plan_cache_mode = {mode};")
            if jit:
                print(f"SET LOCAL jit = {jit};")
            print(f"SELECT rls_set_principal(:{who}_id::text, '{rls_admin}') \\g /dev/null")
            print(f"PREPARE counts({counts_types}) AS\n{counts_sql};")
            print(f"PREPARE page({page_types}) AS\n{page_sql};")
            print(f"PREPARE load(text, int8, int8[]) AS\n{load_sql};")
            if panels_sql:
                print(f"PREPARE panels({', '.join(panels_types)}) AS\n{panels_sql};")
            else:
                print(f"PREPARE timeline(int8, text[]) AS\n{timeline_sql};")
            for label, stmt, is_search in statements:
                if search_only and not is_search:
                    continue
                stmt_mode = mode
                if mode == "app":
                    stmt_mode = app.get("plan_cache_mode", "auto")
                    if list_plan_mode and label.startswith("list "):
                        stmt_mode = list_plan_mode["other" if is_search else "plain"]
                    print(f"SET LOCAL plan_cache_mode = {stmt_mode};")
                # Warm the caches first (a fresh backend's first plan pays for
                # loading the catalog); under plan_cache_mode auto, run it five
                # times, so the explained execution is the sixth.
                print("\\o /dev/null")
                for _ in range(5 if stmt_mode == "auto" else 1):
                    print(f"{stmt};")
                print("\\o")
                print(f"\\echo == {who} {label}: {mode_label}")
                print(f"EXPLAIN (ANALYZE, BUFFERS) {stmt};")
            print("ROLLBACK;")
    print("DEALLOCATE ALL;")


if __name__ == "__main__":
    main()
