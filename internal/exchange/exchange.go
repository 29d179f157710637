// Package exchange keeps the state of Tadamun's data exchange with other
// systems over the DCI social-registry API: the senders a member's
// administrator registered (who may call, with which key, and the only
// addresses callbacks may go to), the transactions they sent with the
// answers and their delivery, and their subscriptions to registry changes
// with how far each has been notified. It owns the dci_* tables. Its
// Guard decides which network addresses callbacks may reach: when a sender
// registers them, and on every connection a callback makes.
//
// The DCI transport (internal/dci) is given these stores by the
// composition root; it speaks the protocol (envelopes, signatures,
// callbacks) and never opens the database. What a subscription is
// notified of it asks the registry (registry.ChangesSince), never its
// tables.
package exchange
