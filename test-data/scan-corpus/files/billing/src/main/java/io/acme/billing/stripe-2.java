// stripe-2 (generated)
package io.acme.billing;
import java.util.List;
    private static final String STRIPE_KEY = "sk_live_IJIwtiRnDTbz6sclwz0CfotkqV2nVAwFocl";
public class BillingService {
    private final InvoiceRepository repo;
    public BillingService(InvoiceRepository repo) { this.repo = repo; }
    public List<Invoice> open() { return repo.findByStatus("OPEN"); }
}
