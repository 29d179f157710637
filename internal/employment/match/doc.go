// Package match scores job seekers for vacancies, with the reasons of
// every score, both ways (the seekers for a vacancy, the vacancies for a
// seeker), and runs the nightly matching of every open vacancy against
// every consenting seeker of a member. It implements develop.Matcher and
// reads seekers and vacancies only through develop.Seekers, so it knows
// no table of internal/employment; its one table of its own keeps the
// last nightly run's best matches (employment_matches).
//
// # The score
//
// Score is a pure function of a vacancy and a seeker: a whole number from
// 0 to 100, the sum of seven parts, each with its reasons (MatchReason:
// a catalog key, its arguments and the points it gave). The reasons'
// points add up to the score exactly.
//
//   - Skills, 40 points: the share of the vacancy's required skills the
//     seeker has, 40 × held ÷ required, rounded half up (all 40 when the
//     vacancy names none). The held ones are named, and the missing ones.
//   - Place, 20 points, by administrative area: the seeker lives in the
//     vacancy's locality 20, in its district 15, in its governorate 10;
//     else one of the seeker's preferred areas holds the vacancy's area 8;
//     else 0.
//   - Accommodations, 10 points: 10 when the seeker needs none; else 10 ×
//     offered ÷ needed, rounded half up. Every accommodation the workplace
//     does not offer is a reason of its own with the points it cost (the
//     shortfall shared among the missing ones); it lowers the score, it
//     never excludes the seeker.
//   - Education, 10 points, by the order of the registry's education
//     codes (registry.Educations: none, read_write, primary, preparatory,
//     secondary, vocational, university, postgraduate): 10 when the seeker
//     has at least the vacancy's least education or the vacancy asks none,
//     4 fewer for every level below it (never below 0), 0 when the
//     seeker's education is unknown.
//   - Experience, 10 points: 10 × months ÷ required months, at most 10,
//     rounded half up (10 when none is required).
//   - Languages, 5 points: as skills, 5 × held ÷ required.
//   - Hours, 5 points: the seeker wants the vacancy's hours (full or part)
//     or any hours.
//
// No protected attribute (religion, ethnicity, tribe), nor sex or age, is
// in develop.Seeker, and nothing else of the seeker (disability included)
// counts. Equal scores rank by id, the lower first.
//
// # Ranking
//
// ForVacancy ranks the consenting seekers of the vacancy's member through
// a compact in-memory index of the member's seekers (skills, languages and
// accommodations as bitsets over the member's codes, areas interned as
// numbers, education as a rank), built on first use from
// develop.Seekers.EachSeeker and rebuilt, once, on the first use after
// Changed; while it is rebuilt, other readers keep using the old one. The
// scan keeps the best in a heap and explains only the results it returns.
// ForSeeker ranks the member's open vacancies for one seeker the same way.
//
// # The nightly run
//
// Run scores every open vacancy of a member against every consenting
// seeker as a job (internal/jobs), vacancies in parallel on a bounded
// number of workers, and keeps the best TopN of each in employment_matches
// under the run's id. The rows are written in batches; the run becomes the
// one readers see in one small transaction at the end (the swap), and the
// rows of the runs before it are deleted then, so a reader never sees half
// a run. Start runs it for every member whose last run is older than
// Options.Every; the CLI (tadamun employment match) and the API start it on
// demand.
package match
