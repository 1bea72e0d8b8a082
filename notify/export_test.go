package notify

// The HTML size cap, for the external tests of rendering.
const HTMLBudget = htmlBudget

// EncodedLen is encodedLen, for the external tests of rendering.
var EncodedLen = encodedLen
