// Package dedup finds the same person registered more than once: by two
// offices, with a mistyped national ID, or with a name spelled أحمد in one
// record and احمد in the other. It is a Fellegi–Sunter record-linkage engine
// in the style of Splink and fastLink, made for Arabic names:
//
//   - Blocking (block.go) gathers candidate pairs on several keys — national
//     ID, near-IDs (one digit changed or two neighbours swapped), phone,
//     normalized first and father name with birth year, the Latin
//     transliteration key with birth year, the birth date with the family
//     name, phonetic first and family name with the father's initial and the
//     birth year, and three keys without a year (the three names in one
//     admin area, the same with only the first name's initial, first and
//     family name with the day and month of birth) — so that the number of
//     compared pairs stays near linear while true pairs are rarely missed. A
//     pair found by several keys is compared once.
//   - Comparison (compare.go) gives each field a level: name parts exact,
//     same transliteration, close (Jaro–Winkler on normalized keys, but never
//     for two different known names such as محمد and محمود), or different;
//     national ID exact, one digit, transposition; birth date exact, day and
//     month swapped, year off by one, only the year; sex, phone, admin area.
//   - Weights (model.go) are m and u probabilities per level: u from random
//     pairs, m and the prior by expectation–maximisation over the candidate
//     pairs, or fixed from a configuration. Agreement on a common name
//     weighs less than on a rare one (term-frequency adjustment).
//   - Classification: a pair is Likely (merged automatically), Possible
//     (sent to review) or neither. Hard cases are vetoed from Likely and
//     explained: first names that differ (twins, siblings), full birth dates
//     that differ without an equal national ID (common names), and records
//     with almost no data.
//   - Clustering (cluster.go) joins Likely pairs into groups, guarded
//     against chains: a group is only formed if all its members match each
//     other at least at the Possible level, a veto lifted only by one
//     national ID or by a third member matching both; refused links go to
//     review.
//   - Index (index.go) answers the real-time check of one new registration
//     against a built registry.
//
// Run uses every core. Records are plain values (Record) so that the engine
// does not depend on where persons are stored; Store (store.go) keeps the
// candidate pairs, review decisions and clusters of each member.
package dedup
