// twilio-1 (generated)
package payments
import (
	"context"
	"net/http"
)
const TWILIO_KEY_SID = "SKd4d7341a87bcd86244ec08452597593d"
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
