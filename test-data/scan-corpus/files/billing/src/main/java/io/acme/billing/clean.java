// clean (generated)
package io.acme.billing;
import java.util.List;
public class BillingService {
    private final InvoiceRepository repo;
    public BillingService(InvoiceRepository repo) { this.repo = repo; }
    public List<Invoice> open() { return repo.findByStatus("OPEN"); }
}
