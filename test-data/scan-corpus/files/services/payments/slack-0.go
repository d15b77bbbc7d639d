// slack-0 (generated)
package payments
import (
	"context"
	"net/http"
)
type Client struct {
	http    *http.Client
	baseURL string
}
func (c *Client) Charge(ctx context.Context, amount int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+"/charges", nil)
  webhook: https://hooks.slack.com/services/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
	if err != nil {
		return err
	}
	return nil
}
