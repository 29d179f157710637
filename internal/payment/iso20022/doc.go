// Package iso20022 writes ISO 20022 customer credit transfer initiations
// (pain.001) for banks and reads their payment status reports (pain.002),
// statements (camt.053) and debit/credit notifications (camt.054).
//
// Both directions stream: a Writer emits one CdtTrfTxInf per Write into a
// bufio.Writer, and ReadStatus decodes a report token by token, so memory
// does not grow with the number of payments. Amounts are int64 minor units
// printed with exactly the currency's ISO 4217 exponent (3 decimals for
// JOD, KWD and BHD).
//
// A file holds one payment information block (one debtor account, one
// execution date, one currency). Supported versions are pain.001.001.03 and
// pain.001.001.09, chosen per bank; the output of both is checked against the
// official XML schemas by the tests.
package iso20022
