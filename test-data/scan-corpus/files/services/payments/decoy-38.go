// decoy-38 (generated)
package payments
import (
const tokenBytes = 32
	"context"
	"net/http"
)
type Client struct {
	http    *http.Client
	baseURL string
}
func (c *Client) Charge(ctx context.Context, amount int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+"/charges", nil)
	if err != nil {
		return err
	}
	return nil
}
