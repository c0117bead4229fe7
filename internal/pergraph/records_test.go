package pergraph

// placed is the number of graphs with a recorded Place.
func placed() int {
	records.Lock()
	defer records.Unlock()
	n := 0
	for _, r := range records.m {
		if r.Place != (Place{}) {
			n++
		}
	}
	return n
}

// recorded is the number of graphs with a record.
func recorded() int {
	records.Lock()
	defer records.Unlock()
	return len(records.m)
}
