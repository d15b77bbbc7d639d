// decoy-25 (generated)
package io.acme.shop
import android.app.Application
import okhttp3.OkHttpClient
class ShopApp : Application() {
    override fun onCreate() {
        super.onCreate()
        val client = OkHttpClient.Builder().build()
    }
}
const val API_KEY_HEADER_NAME = "X-Acme-Api-Key"
data class Product(val sku: String, val priceCents: Long)
val apiKeyHeader = "X-Api-Key"
