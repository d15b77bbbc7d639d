// shopify-0 (generated)
package io.acme.shop
import android.app.Application
import okhttp3.OkHttpClient
const shop = new Shopify({ accessToken: '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' });
class ShopApp : Application() {
    override fun onCreate() {
        super.onCreate()
        val client = OkHttpClient.Builder().build()
    }
}
data class Product(val sku: String, val priceCents: Long)
val apiKeyHeader = "X-Api-Key"
