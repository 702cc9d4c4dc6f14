/**
 * GENERATED — do not edit by hand. The ASX cash market's full-day closures,
 * 2015-01-01..2026-12-31, embedded from `asx_holidays.csv` (93 rows,
 * sha256 05113ec94dae86b91edc5e2751edce63eb1f2e9ec1a5f2d6aa2b59f6eb9377e0).
 *
 * Provenance: generated from the XASX holiday rules of gerrymanoim/exchange_calendars
 * (`exchange_calendars/exchange_calendar_xasx.py` + `common_holidays.py`, commit
 * 5308ce20578422fce74b10b43cc7d913a17e7a88, Apache-2.0 rules) re-implemented in plain
 * Python: New Year's Day and Australia Day moved to Monday when on a weekend; Good
 * Friday; Easter Monday; Anzac Day 25 Apr with no Monday substitute (rule since 2011);
 * Queen's/King's Birthday = 2nd Monday of June; Christmas and Boxing Day with 27/28 Dec
 * "(observed)" substitutes; the one-off closure 2022-09-22. Only Mon–Fri dates are
 * listed. Cross-checked: for 2015-01-01..2025-02-14 the weekday non-sessions in the
 * library's own `tests/resources/xasx.csv` (commit 4677bc5f5718893280e28e8e7bc6d983acce75c5)
 * are exactly these dates; later dates come from the rules only. Names are the
 * generator's own wording. See the shared data `asx/PROVENANCE.md`.
 *
 * Regenerate with:
 *   awk -F, 'NR>1 { printf "  [\"%s\", \"%s\"],\n", $1, $2 }' asx_holidays.csv
 *
 * @module
 */

/** `[YYYY-MM-DD, name]` for every weekday the ASX was (or will be) closed, ascending. */
export const ASX_HOLIDAYS: readonly (readonly [string, string])[] = [
  ["2015-01-01", "New Year's Day"],
  ["2015-01-26", "Australia Day"],
  ["2015-04-03", "Good Friday"],
  ["2015-04-06", "Easter Monday"],
  ["2015-06-08", "Queen's Birthday"],
  ["2015-12-25", "Christmas Day"],
  ["2015-12-28", "Boxing Day (observed)"],
  ["2016-01-01", "New Year's Day"],
  ["2016-01-26", "Australia Day"],
  ["2016-03-25", "Good Friday"],
  ["2016-03-28", "Easter Monday"],
  ["2016-04-25", "Anzac Day"],
  ["2016-06-13", "Queen's Birthday"],
  ["2016-12-26", "Boxing Day"],
  ["2016-12-27", "Christmas Day (observed)"],
  ["2017-01-02", "New Year's Day"],
  ["2017-01-26", "Australia Day"],
  ["2017-04-14", "Good Friday"],
  ["2017-04-17", "Easter Monday"],
  ["2017-04-25", "Anzac Day"],
  ["2017-06-12", "Queen's Birthday"],
  ["2017-12-25", "Christmas Day"],
  ["2017-12-26", "Boxing Day"],
  ["2018-01-01", "New Year's Day"],
  ["2018-01-26", "Australia Day"],
  ["2018-03-30", "Good Friday"],
  ["2018-04-02", "Easter Monday"],
  ["2018-04-25", "Anzac Day"],
  ["2018-06-11", "Queen's Birthday"],
  ["2018-12-25", "Christmas Day"],
  ["2018-12-26", "Boxing Day"],
  ["2019-01-01", "New Year's Day"],
  ["2019-01-28", "Australia Day"],
  ["2019-04-19", "Good Friday"],
  ["2019-04-22", "Easter Monday"],
  ["2019-04-25", "Anzac Day"],
  ["2019-06-10", "Queen's Birthday"],
  ["2019-12-25", "Christmas Day"],
  ["2019-12-26", "Boxing Day"],
  ["2020-01-01", "New Year's Day"],
  ["2020-01-27", "Australia Day"],
  ["2020-04-10", "Good Friday"],
  ["2020-04-13", "Easter Monday"],
  ["2020-06-08", "Queen's Birthday"],
  ["2020-12-25", "Christmas Day"],
  ["2020-12-28", "Boxing Day (observed)"],
  ["2021-01-01", "New Year's Day"],
  ["2021-01-26", "Australia Day"],
  ["2021-04-02", "Good Friday"],
  ["2021-04-05", "Easter Monday"],
  ["2021-06-14", "Queen's Birthday"],
  ["2021-12-27", "Christmas Day (observed)"],
  ["2021-12-28", "Boxing Day (observed)"],
  ["2022-01-03", "New Year's Day"],
  ["2022-01-26", "Australia Day"],
  ["2022-04-15", "Good Friday"],
  ["2022-04-18", "Easter Monday"],
  ["2022-04-25", "Anzac Day"],
  ["2022-06-13", "Queen's Birthday"],
  ["2022-09-22", "National Day of Mourning for Queen Elizabeth II"],
  ["2022-12-26", "Boxing Day"],
  ["2022-12-27", "Christmas Day (observed)"],
  ["2023-01-02", "New Year's Day"],
  ["2023-01-26", "Australia Day"],
  ["2023-04-07", "Good Friday"],
  ["2023-04-10", "Easter Monday"],
  ["2023-04-25", "Anzac Day"],
  ["2023-06-12", "King's Birthday"],
  ["2023-12-25", "Christmas Day"],
  ["2023-12-26", "Boxing Day"],
  ["2024-01-01", "New Year's Day"],
  ["2024-01-26", "Australia Day"],
  ["2024-03-29", "Good Friday"],
  ["2024-04-01", "Easter Monday"],
  ["2024-04-25", "Anzac Day"],
  ["2024-06-10", "King's Birthday"],
  ["2024-12-25", "Christmas Day"],
  ["2024-12-26", "Boxing Day"],
  ["2025-01-01", "New Year's Day"],
  ["2025-01-27", "Australia Day"],
  ["2025-04-18", "Good Friday"],
  ["2025-04-21", "Easter Monday"],
  ["2025-04-25", "Anzac Day"],
  ["2025-06-09", "King's Birthday"],
  ["2025-12-25", "Christmas Day"],
  ["2025-12-26", "Boxing Day"],
  ["2026-01-01", "New Year's Day"],
  ["2026-01-26", "Australia Day"],
  ["2026-04-03", "Good Friday"],
  ["2026-04-06", "Easter Monday"],
  ["2026-06-08", "King's Birthday"],
  ["2026-12-25", "Christmas Day"],
  ["2026-12-28", "Boxing Day (observed)"],
];
