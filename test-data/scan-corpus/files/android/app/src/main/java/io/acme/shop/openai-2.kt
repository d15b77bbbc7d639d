// openai-2 (generated)
package io.acme.shop
import android.app.Application
import okhttp3.OkHttpClient
class ShopApp : Application() {
    override fun onCreate() {
        super.onCreate()
        val client = OkHttpClient.Builder().build()
const val OPENAI = "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"
    }
}
data class Product(val sku: String, val priceCents: Long)
val apiKeyHeader = "X-Api-Key"
