package main

import "errors"

func cmdDeliveries(a *app, args []string) error {
	return errors.New("deliveries: not built yet")
}
