// Package donor keeps the solidarity fund's donors: individuals,
// companies, organizations and member governments, with their contacts,
// preferred language and consent to be named publicly. It implements
// fund.Donors for the fund's other packages.
//
// A donor is kept as entered with normalized keys beside it, made by the
// same functions the registry uses for persons: the name key
// (arabic.NameKey), phone keys (arabic.PhoneKey with the member's calling
// code), phonetic name words (arabic.Phonetic, the dedup engine's blocking
// key), IBANs in electronic form (payment/iban.Validate, ISO 13616
// mod-97). Create and Update run the duplicate check in the transaction
// that writes: a likely duplicate (a shared phone, e-mail, registration
// number or IBAN, or a very close name with a shared address or phone
// tail) refuses the write unless the caller confirms it, and the
// confirmation is audited; a possible one (a close name only) is returned
// for the page to show.
//
// Merge folds donor B into donor A: B keeps its row with merged_into = A,
// disappears from lists, search and EachKeys, and its phones, IBANs and
// references move to A. Reading B returns A with a note. Other packages
// that hold a donor id (donations, statement matches) follow
// fund.DonorRef.MergedInto, which always names the live donor at the end
// of the chain.
package donor
