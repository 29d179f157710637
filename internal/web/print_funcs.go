package web

import "html/template"

// printLink is what the print-household and print-receipts partials show:
// the links under base, and the PDF ones only when the server prints PDFs.
type printLink struct {
	Base string
	PDF  bool
}

func printFuncs(variant) template.FuncMap {
	return template.FuncMap{
		"printLinks": func(base string, pdf bool) printLink { return printLink{Base: base, PDF: pdf} },
	}
}
