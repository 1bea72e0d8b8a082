package notify

// The chart's size, for the external tests of rendering.
const (
	ChartWidth  = chartWidth
	ChartHeight = chartHeight
)
