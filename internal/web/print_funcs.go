package web

import "html/template"

// printLink is what the print-household and print-receipts partials show:
// the links under base, and the PDF ones only when the server prints PDFs.
type printLink struct {
	Base  string
	PDF   bool
	Cards bool // the server has a card key: beneficiary cards can be printed
}

func printFuncs(variant) template.FuncMap {
	return template.FuncMap{
		"printLinks": func(base string, pdf bool, cards ...bool) printLink {
			return printLink{Base: base, PDF: pdf, Cards: len(cards) > 0 && cards[0]}
		},
	}
}
