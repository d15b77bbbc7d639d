// keyward-signing (generated)
package payments
import (
	"context"
	"net/http"
)
const KEYWARD_SIGNING_KEY = "kw_hk_live_dms6in1zJuQI67Ve7s3FvhHLLQ9kYmxd0NPm20"
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
