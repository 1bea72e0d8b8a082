// Package email sends digests by SMTP with go-mail: a multipart message of
// the text and HTML renderings with the charts inline, and a Message-ID
// derived from the delivery, so that a resent digest is recognisably the
// same message. SMTP 5xx replies are permanent failures.
package email
