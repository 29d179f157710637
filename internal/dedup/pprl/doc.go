// Package pprl encodes persons for privacy-preserving record linkage
// across members (issue 19 item 2): cryptographic long-term keys (CLK,
// Schnell, Bachteler and Reiher 2011, "A novel error-tolerant anonymous
// linking code"). Each person is one Bloom filter of 1,024 bits into which
// the padded bigrams of each field are hashed k times with HMAC-SHA256
// keyed by a secret the member nodes share and the hub never sees. The
// fields are the Arabic-normalized name keys (first, father, family), their
// Latin transliteration skeletons (which meet a record written in Latin
// script only), the birth year, the day and month of birth (with a token
// that survives day and month swapped) and the sex. Each encoding also carries four
// blocking keys, themselves HMACs of phonetic name keys and the year, so
// that the hub compares only candidate pairs. The hub compares filters by
// Dice similarity (popcount of 64-bit words) and never learns a name.
//
// Hardening (Hardening; measured in bench/crossborder):
//
//   - Bit positions are independent (k values taken from the HMAC
//     output), not double hashing, whose structure the attack of
//     Niedermeyer, Steinmetzer, Kroll and Schnell (2014, "Cryptanalysis of
//     basic Bloom filters used for privacy preserving record linkage")
//     exploits.
//   - FieldSalt: each field has its own key derived from the secret
//     (Niedermeyer et al.; Schnell 2015 "Privacy-preserving record
//     linkage" in Harron et al., Methodological Developments in Data
//     Linkage), so that one bigram in two fields sets unrelated bits and
//     the bigram frequencies of all fields do not add up.
//   - Weighted: attribute-weighted k per field (Durham et al. 2013,
//     "Composite Bloom filters for secure record linkage", IEEE TKDE), so
//     that the bits a field sets follow its worth rather than its length,
//     and the common fields (sex, year) do not carry the most frequent
//     patterns.
//   - Fold: XOR-folding once (Schnell, Borgs and Encarnação 2016,
//     "Hardening encrypted patient names against cryptographic attacks
//     using cryptographic long-term keys"): each stored bit is the XOR of
//     two, so that a bit no longer stands for one bigram's set.
//
// A file carries the secret's check value (Secret.Check), so that the hub
// refuses files of different secrets before comparing; a file whose check
// was copied without the secret is refused by its scores, which are at
// chance level (the median best score of a sample is compared with the
// same against bit-permuted filters).
//
// What remains: frequency attacks on bit patterns and on bigrams
// (Kuzu et al. 2011; Christen, Schnell, Vatsalan and Ranbaduge 2017,
// "Efficient cryptanalysis of Bloom filters for privacy-preserving record
// linkage") and pattern-mining and graph-matching attacks (Vidanage et al.
// 2019–2020) work on large files by someone holding the files and a
// population of names with the same distribution: the hub is such a party.
// The hardening raises their cost; it does not make encodings anonymous.
// The blocking keys are deterministic HMACs and repeat with their values:
// their frequencies are those of common name and year combinations. Hence
// the files go only to the hub, the hub keeps them no longer than one
// comparison, and the secret is never given to it.
package pprl
