// Package arch holds Tadamun's architecture test: the lines between the
// composition root, the transports, the capabilities and the pure building
// blocks, checked on the import graph that `go list` reports. It has no
// code of its own; see arch_test.go for the rules.
package arch
