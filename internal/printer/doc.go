// Package printer prints Tadamun's documents — the decision letter to a
// household, the beneficiary card and the receipt list of a cash
// distribution — from HTML templates in Arabic and English, as a page the
// browser prints (the print view) or as an A4 PDF printed by headless
// Chromium (Chrome). Go's PDF libraries do not shape Arabic nor lay out
// right-to-left text; Chromium does both, with the Noto Sans Arabic font
// embedded from the binary (package fonts): the PDF's HTML loads nothing
// from anywhere.
//
// Printing a household's documents needs read access to the household, and
// every print of personal documents is written to the audit log. Bulk
// printing of a run's households is a job (package jobs) whose PDF is kept
// in the print_files table until it is downloaded or replaced.
//
// The card's QR code carries a token signed with the member's card key
// (package card), which anyone can check offline with the member's public
// key: tadamun card verify, or the portal's verify page.
package printer
