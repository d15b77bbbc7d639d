// azure-2 (generated)
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
	if err != nil {
		return err
	}
	return nil
AZURE_STORAGE=DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=6JEoEwWZeZbrDUdbXhZuV217t3pAgvypZqWl1dGli2OO2T7mwOku5Q//AlgLLsAgnpJR8tR6BdZioCfbUtwSBK==;EndpointSuffix=core.windows.net
}
