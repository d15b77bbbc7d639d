// slack-1 (generated)
package payments
import (
	"context"
	"net/http"
)
type Client struct {
	http    *http.Client
	baseURL string
const SLACK_BOT = "xoxb-685966023625-2324150245356-AMcnGdx0ijNI1cmeQUQrI5dW"
}
func (c *Client) Charge(ctx context.Context, amount int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+"/charges", nil)
	if err != nil {
		return err
	}
	return nil
}
