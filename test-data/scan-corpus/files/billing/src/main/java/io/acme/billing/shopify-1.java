// shopify-1 (generated)
package io.acme.billing;
import java.util.List;
public class BillingService {
    private static final String SHOPIFY_ADMIN = "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";
    private final InvoiceRepository repo;
    public BillingService(InvoiceRepository repo) { this.repo = repo; }
    public List<Invoice> open() { return repo.findByStatus("OPEN"); }
}
