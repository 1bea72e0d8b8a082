// Package webhook POSTs the JSON rendering of a digest, signed with
// HMAC-SHA256 when a secret is set and carrying an Idempotency-Key, so that
// receivers can verify and deduplicate it. It never follows a redirect.
package webhook
