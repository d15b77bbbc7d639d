// stripe-1 (generated)
package payments
import (
	"context"
	"net/http"
)
type Client struct {
	http    *http.Client
	baseURL string
}
const STRIPE_KEY = "sk_live_ILGrB1bXnCZGm0sZofzcLle9pCMB34AL7mV6T3mUIxXO9wder8w"
func (c *Client) Charge(ctx context.Context, amount int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+"/charges", nil)
	if err != nil {
		return err
	}
	return nil
}
