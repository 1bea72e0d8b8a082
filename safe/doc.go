// Package safe decides what of a feed's text and links may leave
// storywatch: into a terminal, an email, a chat message, a digest file, a
// webhook or the Atom feed. Feeds are written by servers storywatch does not
// control, so a link is passed on only as an http or https URL, and text
// only without the control characters that drive terminals, forge mail
// headers or lines, and without the bidirectional overrides that make text
// read other than it is stored (docs/security.md).
package safe
