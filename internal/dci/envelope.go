// Package dci serves the social-registry API of the Digital Convergence
// Initiative (SPDCI social_api and registry_core_api v1.0.0) over the
// registry: synchronous and asynchronous search, transaction status,
// subscriptions with notify callbacks, and ed25519 message signatures.
// See docs/dci.md for what of the specification is covered.
package dci

import (
	"encoding/json"
	"time"
)

// Envelope is the DCI message: signature, header and message. Header and
// Message are kept raw so that a signature is checked over the bytes the
// sender signed.
type Envelope struct {
	Signature string          `json:"signature,omitempty"`
	Header    json.RawMessage `json:"header"`
	Message   json.RawMessage `json:"message"`
}

// Header is the request header (MsgHeader_V1.0.0).
type Header struct {
	Version        string         `json:"version,omitempty"`
	MessageID      string         `json:"message_id"`
	MessageTS      string         `json:"message_ts"`
	Action         string         `json:"action"`
	SenderID       string         `json:"sender_id"`
	SenderURI      string         `json:"sender_uri,omitempty"`
	ReceiverID     string         `json:"receiver_id,omitempty"`
	TotalCount     *int           `json:"total_count"`
	IsMsgEncrypted bool           `json:"is_msg_encrypted"`
	Meta           map[string]any `json:"meta,omitempty"`
}

// CallbackHeader is the header of a response or callback
// (MsgCallbackHeader_V1.0.0).
type CallbackHeader struct {
	Version             string `json:"version"`
	MessageID           string `json:"message_id"`
	MessageTS           string `json:"message_ts"`
	Action              string `json:"action"`
	Status              string `json:"status"`
	StatusReasonCode    string `json:"status_reason_code,omitempty"`
	StatusReasonMessage string `json:"status_reason_message,omitempty"`
	TotalCount          int    `json:"total_count"`
	CompletedCount      int    `json:"completed_count"`
	SenderID            string `json:"sender_id"`
	ReceiverID          string `json:"receiver_id,omitempty"`
	IsMsgEncrypted      bool   `json:"is_msg_encrypted"`
}

// Ack is the immediate answer to an asynchronous request.
type Ack struct {
	Message AckMessage `json:"message"`
}

// AckMessage is the body of an Ack.
type AckMessage struct {
	AckStatus     string    `json:"ack_status"` // ACK, NACK, ERR
	Timestamp     string    `json:"timestamp"`
	Error         *ErrorObj `json:"error,omitempty"`
	CorrelationID string    `json:"correlation_id"`
}

// ErrorObj is the spec's Error: a code such as err.request.bad and a
// message in the caller's language.
type ErrorObj struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// HTTPError is the spec's HttpErrorResponse.
type HTTPError struct {
	Errors []ErrorObj `json:"errors"`
}

// SearchRequest is the message of registry/search and registry/sync/search.
type SearchRequest struct {
	TransactionID string       `json:"transaction_id"`
	SearchRequest []SearchItem `json:"search_request"`
}

// SearchItem is one search of a batch.
type SearchItem struct {
	ReferenceID    string         `json:"reference_id"`
	Timestamp      string         `json:"timestamp"`
	SearchCriteria SearchCriteria `json:"search_criteria"`
	Locale         string         `json:"locale,omitempty"`
}

// SearchCriteria says what to search.
type SearchCriteria struct {
	Version        string          `json:"version,omitempty"`
	RegType        string          `json:"reg_type,omitempty"`
	RegSubType     string          `json:"reg_sub_type,omitempty"`
	QueryType      string          `json:"query_type"`
	ResponseEntity string          `json:"response_entity,omitempty"`
	Query          json.RawMessage `json:"query"`
	Sort           []Sort          `json:"sort,omitempty"`
	Pagination     *Pagination     `json:"pagination,omitempty"`
}

// Sort is one sort key.
type Sort struct {
	AttributeName string `json:"attribute_name"`
	SortOrder     string `json:"sort_order,omitempty"`
}

// Pagination asks for (or describes) one page; pages count from 1.
type Pagination struct {
	PageSize   int  `json:"page_size"`
	PageNumber int  `json:"page_number,omitempty"`
	TotalCount *int `json:"total_count,omitempty"`
}

// SearchResponse is the message of on-search and of a sync search answer.
type SearchResponse struct {
	TransactionID  string               `json:"transaction_id"`
	CorrelationID  string               `json:"correlation_id"`
	SearchResponse []SearchResponseItem `json:"search_response"`
}

// SearchResponseItem answers one SearchItem.
type SearchResponseItem struct {
	ReferenceID         string      `json:"reference_id"`
	Timestamp           string      `json:"timestamp"`
	Status              string      `json:"status"`
	StatusReasonCode    string      `json:"status_reason_code,omitempty"`
	StatusReasonMessage string      `json:"status_reason_message,omitempty"`
	Data                *RecordData `json:"data,omitempty"`
	Pagination          *Pagination `json:"pagination,omitempty"`
	Locale              string      `json:"locale,omitempty"`
}

// RecordData carries the records found.
type RecordData struct {
	Version       string   `json:"version"`
	RegType       string   `json:"reg_type,omitempty"`
	RegRecordType string   `json:"reg_record_type,omitempty"`
	RegRecords    []Record `json:"reg_records"`
}

// Record is one registry record as DCI names its fields (spdci:Member with
// its group).
type Record map[string]any

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }
