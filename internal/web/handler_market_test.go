package web

import (
	"net/http"
	"testing"
)

// TestServed: the product page links the order capability's pages only
// when a module serves them, not the not-found catch-all.
func TestServed(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/", http.NotFoundHandler())
	mux.HandleFunc("GET /market/products/{id}", func(http.ResponseWriter, *http.Request) {})
	if served(mux, "/market/products/3/order") {
		t.Fatal("the catch-all counted as the order page")
	}
	mux.HandleFunc("GET /market/products/{id}/order", func(http.ResponseWriter, *http.Request) {})
	if !served(mux, "/market/products/3/order") {
		t.Fatal("the order page was not seen")
	}
}
