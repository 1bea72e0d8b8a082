// Package notify turns stored hits into digests and delivers them.
//
// It has four layers. Building (Build, Digester) is pure: it groups the hits
// that a digest has not yet included by watch, orders and caps them, and
// returns a Digest value that is stored as JSON with the digest record, so
// that every retry renders exactly the same message. Rendering (Render) turns
// a Digest into plain text, HTML with inline bar charts, the JSON body that
// docs/config.md describes and a short chat text, from embedded templates.
// Senders put a rendering on the wire and classify their failures as
// permanent or temporary; each lives in a package of its own with the one
// library it needs (notify/email, notify/webhook, notify/chat, notify/file),
// and this package knows them only as the Sender interface. The Outbox sends
// recorded deliveries, retrying temporary failures with exponential backoff.
//
// # Delivery contract
//
// Delivery is at least once, with an idempotency key. A digest, its hits and
// one pending delivery per notifier are recorded in one transaction before
// anything is sent. A delivery that succeeded is marked sent and never sent
// again. Each attempt is bounded by its sender's timeout (Timeouter: the
// webhook's configured timeout, the email's, 30 s for chat). Claiming a
// delivery schedules its next attempt before the send starts, at the usual
// retry delay but never sooner than the send timeout plus Outbox.ClaimMargin,
// so no other worker (the daemon, `once`, `digest -send`, `deliveries retry`)
// can claim it while the send may still run, not even at give-up. An outcome
// is recorded only for the attempt that holds the claim: a worker whose claim
// ran out finishes nothing. A process killed while a send is in flight cannot
// know whether the receiver got it, so that delivery is sent again once its
// claim ends. Receivers deduplicate: webhooks carry the header Idempotency-Key
// "<digest id>-<notifier id>", and emails carry a Message-ID derived from the
// same pair, so a repeated email is recognisable as the same message.
//
// Chat messages carry no idempotency key. shoutrrr takes no context, so a
// chat send that outlasts its timeout is reported as a temporary failure while
// its request goes on: the message may still arrive, and the retry then posts
// it a second time.
//
// Error texts never carry a URL's secrets: every scheme://… in them is cut to
// scheme://host/… before it is logged or stored (RedactURLs).
//
// Storage is reached through the small interfaces DigestStore and
// OutboxStore, which package store implements.
package notify
